"""Candid's model layer: the only package that knows about torch and transformers.

Public API: ``load_judge``, ``load_embedder`` (``models.loader``), the ``Judge`` and ``Embedder``
protocols (``models.protocols``) and the install/verify commands (``python -m models``).
"""
