"""Kehu (客户): the customer-management policy as a running system."""

__version__ = "0.1.0"
