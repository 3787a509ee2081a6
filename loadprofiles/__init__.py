"""Load generation: Locust shapes and user flows, the load process, and its orchestrator-side launcher.

Only :mod:`loadprofiles.process`, :mod:`loadprofiles.worker`, :mod:`loadprofiles.userfile_check`
and the modules they alone import (shapes, flows, driver, master) may import Locust: importing
Locust monkey-patches the whole process with gevent, which must never happen in the orchestrator.
:mod:`.launcher`, :mod:`.preflight`, :mod:`.config`, :mod:`.schedule`, :mod:`.standalone`,
:mod:`.recorder`, :mod:`.wire` and :mod:`.seconds` stay free of it.
"""
