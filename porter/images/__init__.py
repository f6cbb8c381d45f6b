"""What registries say about images: references, platforms, the registry client, the cache.

Knows nothing of manifests' pod specs or of findings: it turns image references into facts
(:class:`~porter.images.facts.ImageFacts`) that the ``images`` transform judges.
"""
