"""``porter preflight``: is an AKS cluster ready for Windows node pools? Its own rules, its
own input (the JSON of ``az aks show`` and ``az aks nodepool list``)."""
