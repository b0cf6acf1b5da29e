"""Settings of the harness process itself (seeding, token minting, query counting).

They are the production settings the servers run with (same secret key, database,
Redis prefix and limits, all passed through the environment by `bench.infra`), plus a
second alias for the persistent history database so the 1,000,000-message
conversation survives the per-scenario reset of the main benchmark database.
"""

from chat_project.settings.production import *  # noqa: F403
from chat_project.settings.production import ALLOWED_HOSTS, DATABASES, database_config, env

DATABASES["history"] = database_config(env("BENCH_HISTORY_DATABASE_URL"))
# The harness counts queries with django.test.Client, whose host is "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
