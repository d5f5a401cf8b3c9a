import factory
from django.contrib.auth.models import Group

from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Town, User, Village


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town

    name = factory.Sequence(lambda n: f"测试{n}镇")
    code = factory.Sequence(lambda n: f"510681{n % 1000:03d}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    code = factory.Sequence(lambda n: f"510681{n // 1000 % 1000:03d}{n % 1000:03d}")
    kind = Village.Kind.VILLAGE


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"广汉市测试{n}局")
    short_name = factory.Sequence(lambda n: f"测试{n}局")


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyBranch

    name = factory.Sequence(lambda n: f"第{n}党支部")
    village = factory.SubFactory(VillageFactory)
    member_count = 50


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    name = factory.Sequence(lambda n: f"干部{n}")
    department = factory.SubFactory(DepartmentFactory)
    position = "科员"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"第{n}协会")
    village = factory.SubFactory(VillageFactory)
    industry = factory.LazyFunction(
        lambda: Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("guanghan-demo")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
