"""Media files (product images and the like): the ``MediaStore`` port and its adapters, a local
folder by default and S3-compatible object storage when configured; ``bootstrap`` picks one."""
