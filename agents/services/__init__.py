"""Services: use-cases over the ports, each built once by the composition root with its collaborators."""
