#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

The commands that make the secrets the settings require run before the settings are
read: with DJANGO_DEBUG off the settings refuse to load without those secrets
(portal/settings.py), and a bare host must still be able to make them. They read no
setting and touch no database. Every other command, like gunicorn, loads the settings
and refuses to start without valid secrets.
"""

import os
import sys

# Command name -> the app that holds it.
SECRET_COMMANDS = {
    "generate_activation_key": "activation",
    "generate_secret_key": "activation",
}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line, load_command_class

    if len(sys.argv) > 1 and sys.argv[1] in SECRET_COMMANDS:
        load_command_class(SECRET_COMMANDS[sys.argv[1]], sys.argv[1]).run_from_argv(sys.argv)
    else:
        execute_from_command_line(sys.argv)
