"""sentinel: government public-opinion (政务舆情) monitoring and response-deadline alerting."""

__version__ = "0.1.0"
