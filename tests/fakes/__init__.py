"""Fake upstreams: real HTTP servers on 127.0.0.1 speaking the providers' wire formats.

One module per upstream family (anthropic, openai, gemini, copilot/github, oauth).
Every package's tests import them from here (the root ``conftest.py`` puts the
repository root on ``sys.path``); no package keeps its own copy.
"""
