#!/usr/bin/env python3
"""Stand-in for docker-stacks' start-singleuser.py."""
import os
import sys

os.execvp("jupyterhub-singleuser", ["jupyterhub-singleuser", *sys.argv[1:]])
