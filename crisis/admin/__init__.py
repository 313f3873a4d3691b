from crisis.admin import campaign, person_sections, register, resources

__all__ = ["campaign", "person_sections", "register", "resources"]
