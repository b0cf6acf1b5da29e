def register(router: object) -> None:
    """Add this app's viewsets to the project's one router."""
