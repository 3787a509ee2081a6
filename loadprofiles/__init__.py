"""Load generation: Locust shapes and user flows, the load process, and its orchestrator-side launcher.

Only :mod:`loadprofiles.process` and the modules it alone imports (shapes, flows, recorder, driver)
may import Locust: importing Locust monkey-patches the whole process with gevent, which must never
happen in the orchestrator. :mod:`.launcher`, :mod:`.preflight`, :mod:`.config`, :mod:`.schedule`,
:mod:`.standalone` and :mod:`.seconds` stay free of it.
"""
