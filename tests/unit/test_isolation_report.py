"""What a run without root gives up, as the one warning line names it (README: "Isolation")."""

from __future__ import annotations

import pytest

from harness.sandbox.executor import shortfall

# What the children reported in each setting, measured (README: "Isolation").
AS_ROOT = "chroot into its own folder, own unprivileged uid, seccomp filter, network and IPC namespaces of the run"
USER_NAMESPACES = "chroot into its own folder inside user, network and IPC namespaces, seccomp filter"
NOTHING_BUT_SECCOMP = "its own working folder only (no chroot: not root and no user namespaces), seccomp filter"
NO_SECCOMP = "chroot into its own folder inside user, network and IPC namespaces, no system-call filter (seccomp is unsupported here)"


@pytest.mark.parametrize("isolation, missing", [
    (AS_ROOT, ""),
    (USER_NAMESPACES, "no uid of its own (submissions run as this user)"),
    (NOTHING_BUT_SECCOMP, "no chroot (a submission can read every file this user can); no uid of its own "
                          "(submissions run as this user); no network or IPC namespace (seccomp still refuses "
                          "sockets and IPC)"),
    (NO_SECCOMP, "no uid of its own (submissions run as this user); no seccomp filter (sockets, IPC, keyrings "
                 "and signals to others are not refused)"),
], ids=["root", "user-namespaces", "no-user-namespaces", "no-seccomp"])
def test_the_warning_names_each_layer_a_root_grader_has_and_this_run_lacks(isolation, missing):
    assert shortfall(isolation) == missing
