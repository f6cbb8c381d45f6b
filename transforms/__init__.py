"""porter's built-in transforms, one module each; registered through ``porter.transforms``."""
