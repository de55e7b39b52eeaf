"""Publishing a course: `init` a course folder, `build` its static site, `serve` it, and `export` its
problems to grading platforms. Python only: the front end comes prebuilt inside this package, and the
Python runtime the site serves is fetched, verified and cached at build time (`runtime`).
"""


class PublishError(Exception):
    """A course cannot be made, built, served or exported; the message says why and what to do."""
