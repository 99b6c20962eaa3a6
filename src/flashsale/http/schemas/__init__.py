"""Request and response bodies, one module per domain. One definition serves validation, output
and the OpenAPI document."""
