"""Client-made uuids: version 7, ever increasing within a process, never shared with a fork."""

from __future__ import annotations

import os
import uuid

import pytest

from app.ids import time_ordered_uuid


def test_ids_are_version_7_unique_and_increasing_across_many_random_refills() -> None:
    made = [time_ordered_uuid() for _ in range(5000)]  # ~10 refills of the random buffer
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(uuid.UUID(u).version == 7 and uuid.UUID(u).variant == uuid.RFC_4122 for u in made)
    assert len({u[-16:] for u in made}) == len(made)  # the random part never repeats


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_draws_its_own_random_bits() -> None:
    time_ordered_uuid()  # the parent holds a partly used buffer of random bytes
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report one id and leave at once
        os.write(write, time_ordered_uuid().encode())
        os._exit(0)
    os.close(write)
    mine = time_ordered_uuid()
    theirs = os.read(read, 64).decode()
    os.waitpid(pid, 0)
    assert mine[-16:] != theirs[-16:]
