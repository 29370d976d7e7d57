"""Root of the test suite: real Postgres, Redis and S3 fixtures, apps in-process, the stack as processes.

Each fixture module owns one dependency; they are loaded here as plugins so every test folder sees them.
"""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.redis",
    "tests.fixtures.s3",
    "tests.fixtures.apps",
    "tests.fixtures.stack",
]
