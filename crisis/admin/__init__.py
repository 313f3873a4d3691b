from crisis.admin import campaign, register, resources

__all__ = ["campaign", "register", "resources"]
