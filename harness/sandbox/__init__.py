"""CI's executor: every submission in a confined process of its own (Linux; root gives the strongest).

Contract: the grading process keeps the tests, the expected values and every verdict; a submission's
process gets only its source and the arguments of each call, and answers in plain data over a pipe.
A crash, a hang, a flood or a forged reply from it becomes that submission's fault, never the grader's.

- `executor`: `Zygote` (the clean interpreter that forks children) and `ForkedChild` (the executor).
- `zygote`: the forking server, started with `python -I -m harness.sandbox.zygote`.
- `child`: confines itself, then loads the submission and answers calls.
- `wire`: the length-prefixed JSON messages between the two.
"""
