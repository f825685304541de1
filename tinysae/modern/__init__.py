"""Modern sparse autoencoders for interpretability: ReLU + L1 and TopK, superposition data, metrics."""
