"""Key management: the random data key and the per-user slots that wrap it."""
