"""Faults run as AWS FIS experiments (``via: fis``) and FIS experiment template files.

:mod:`.builder` turns a scenario fault into a CreateExperimentTemplate input, :mod:`.template_file`
reads a user's template, :mod:`.runner` creates, starts, follows, stops and deletes the experiment,
and :mod:`.local` translates a template's actions to localcloud faults.
"""
