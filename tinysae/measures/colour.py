"""How much of a colour filter is colour: its chromatic share.

Shapes, defined once for this module::

    k    filters      n = h·w·3  values per filter, flattened channel-last

A colour filter (h, w, 3) splits into a grey part, the mean over the three channels at each
pixel, and a colour part, what is left. The **chromatic share** is the colour part's share
of the filter's variance: 0 for a grey (luminance) edge, about 1 for a colour-opponent filter
such as red against green at equal brightness.
"""

import numpy as np

from tinysae.validation.checks import check_data, fail

#: A filter with a chromatic share above this is called chromatic (mostly colour).
CHROMATIC_SHARE = 0.5


def chromatic_share(W):
    """The share of each colour filter's variance that is colour rather than grey.

    Parameters
    ----------
    W : ndarray of shape (k, n)
        Colour filters, one per row, flattened channel-last (n = 3·h·w).

    Returns
    -------
    ndarray of shape (k,)
        Values in [0, 1]; 0 for a constant filter.
    """
    W = check_data("W", W)  # (k, n)
    if W.shape[1] % 3:
        fail("W", "colour filters of 3·h·w values per row (channel-last)", W)
    F = W.reshape(W.shape[0], -1, 3)  # (k, h·w, 3)
    grey = F.mean(axis=2, keepdims=True)  # (k, h·w, 1) the grey part at each pixel
    total = np.sum((F - F.mean(axis=(1, 2), keepdims=True)) ** 2, axis=(1, 2))  # (k,)
    colour = np.sum((F - grey) ** 2, axis=(1, 2))  # (k,)
    return np.divide(colour, total, out=np.zeros_like(total), where=total > 0)  # (k,)
