"""Ctrl-C, SIGTERM and SIGHUP end a command alike: the run saves, says so, and exits 128 + signal.

A job scheduler, ``timeout`` or a closing terminal stops a program with SIGTERM or SIGHUP;
by default they kill Python on the spot, with nothing saved. Within
:func:`signals_as_interrupts` all three raise :class:`Interrupted` (a ``KeyboardInterrupt``),
so training saves a final checkpoint exactly as it does on Ctrl-C. Only the first signal
interrupts: later ones are ignored, so a second Ctrl-C cannot break the save it started.
"""

import contextlib
import signal
import threading

#: The signals that stop a command as Ctrl-C does (SIGHUP does not exist on Windows).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` is its number."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals_as_interrupts():
    """Within the block, the first of :data:`STOP_SIGNALS` raises :class:`Interrupted`; later
    ones are ignored. Yields the list of signal numbers received. Outside the main thread
    (where Python cannot set handlers) it does nothing."""
    received = []

    def handler(signum, frame):
        received.append(signum)
        if len(received) == 1:
            raise Interrupted(signum)

    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield received
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def exit_status(received):
    """128 + the first signal received (130 for Ctrl-C, the shell's convention)."""
    return 128 + (received[0] if received else signal.SIGINT)
