"""The ``digest`` command and the local stack (moto server, feed server, API bridge), with sample data.

Installed for people and tests (``pip install 'morning-digest[local]'``), never shipped in a
function layer: it imports ``digest``; ``digest`` never imports it.
"""
