from crisis.admin import campaign, register

__all__ = ["campaign", "register"]
