"""Path faults: break-network, add-latency and fail-requests on a ``source->destination`` path.

``core`` holds what every backend shares (which harm a scenario entry asks for, and the flow:
refuse an unknown or already broken path, apply, observe the harm, restore); ``local`` applies
the harm through a localcloud dependency proxy and watches it with ``probe``.
"""
