"""What holds outside the app: the signing identity and the evidence report."""
