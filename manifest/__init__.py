"""The Teams app package: manifest template, icons, localisation, and the build and validate commands."""
