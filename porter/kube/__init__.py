"""Kubernetes knowledge: workloads and their pod specs, resource identity, scheduling labels
and taints, Windows Server versions, and the API server's Windows validation rules."""
