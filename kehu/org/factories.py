"""Factories for the organisation. Shared by the tests and by ``kehu demo``."""

from __future__ import annotations

import factory

from kehu.org.models import Company, Department, Role, User, UserRole

# The password every factory-made user has; tests sign in with it.
TEST_PASSWORD = "Kehu-test-Pa55"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试公司{n}有限公司")
    short_name = factory.Sequence(lambda n: f"测试{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(roles=["salesperson"])`` grants default roles by code."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for code in extracted:
            UserRole.objects.create(user=self, role=Role.objects.get(code=code))
        self.forget_roles()
