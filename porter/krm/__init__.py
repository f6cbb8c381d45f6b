"""porter as a KRM function (kustomize, kpt): a ResourceList in, the same list converted out."""
