"""Speed and scale measurements, run on demand; each prints its figures as JSON."""
