#!/usr/bin/env python3
"""Stand-in for docker-stacks' start-notebook.py: jupyterhub-singleuser when spawned by a hub
(JUPYTERHUB_API_TOKEN is set), otherwise a standalone JupyterLab with token login."""
import os
import sys

if "JUPYTERHUB_API_TOKEN" in os.environ:
    os.execvp("jupyterhub-singleuser", ["jupyterhub-singleuser", *sys.argv[1:]])
os.execvp("jupyter", ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser", *sys.argv[1:]])
