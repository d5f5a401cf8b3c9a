"""The demo data (manage.py seed_demo), checked against one seed: seeding every app takes about a minute, so the
checks each app keeps in tests/<app>/demo_checks.py all run here, in one module, with one module-scoped seed."""

from tests.dashboard.demo_checks import *  # noqa: F403
from tests.evaluation.demo_checks import *  # noqa: F403
from tests.funding.demo_checks import *  # noqa: F403
from tests.guanghan.demo_checks import *  # noqa: F403
from tests.members.demo_checks import *  # noqa: F403
from tests.supervision.demo_checks import *  # noqa: F403
