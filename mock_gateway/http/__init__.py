"""HTTP views over the gateway: routes parse and render, the core decides."""
