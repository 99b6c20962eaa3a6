"""The channels use cases.' > service/__init__.py
echo 'The channels repositories and partner clients."""
