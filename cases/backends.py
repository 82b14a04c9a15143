"""Signing in: Django's ModelBackend, except that
- loading the signed-in user (once per request, by AuthenticationMiddleware) joins the user's
  StaffProfile in the same query. ViewerTimezoneMiddleware then reads the viewer's time zone from the
  loaded row instead of paying a query of its own on every request, and a changed zone still shows on
  the very next request (nothing is cached across requests);
- the user's permissions (every page's menu asks `perms`) are read in one statement (the user's own and
  their groups', as a UNION) instead of two, once per request as Django does. The statement is written
  once per process from the models' tables (_permissions_sql): built by the ORM it cost every page
  ~0.7 ms of query compiling, a third of the base layout's time. On PostgreSQL that statement rides in
  the user's own row (an ARRAY of the names, read when the user is loaded): a page pays no statement of
  its own for them, and they are as fresh as the user row, read on every request;
- what a superuser holds through their groups and their own permissions, the flag aside
  (held_permissions), is read by the same statement: the app's roles rest on it (cases.permissions.holds),
  while Django's has_perm, which the admin asks, still answers True for any active superuser."""
import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.expressions import RawSQL

from .frozen import FrozenRead


@functools.cache
def _permissions_sql(quote, as_names=False):
    """(app_label, codename) of a user's permissions, their own and their groups' (parameters: the user's
    id twice); `as_names`: one column of 'app_label.codename'. Every name comes from the models' _meta,
    none from input."""
    User = get_user_model()
    own, groups, granted = (User.user_permissions.through._meta, User.groups.through._meta,
                            Group.permissions.through._meta)

    def col(meta, name):
        return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

    perm, ct = Permission._meta, ContentType._meta
    # Table and column names from the models' _meta; the user's id goes as a parameter.
    template = (
        "SELECT {app}{joint}{codename} FROM {perm} INNER JOIN {ct} ON {ct_id} = {perm_ct} WHERE {perm_id} IN "
        "(SELECT {own_perm} FROM {own} WHERE {own_user} = %s UNION SELECT {granted_perm} FROM {granted} "
        "INNER JOIN {groups} ON {groups_group} = {granted_group} WHERE {groups_user} = %s)"
    )
    return template.format(
        app=col(ct, "app_label"), joint=" || '.' || " if as_names else ", ", codename=col(perm, "codename"),
        perm=quote(perm.db_table),
        ct=quote(ct.db_table), ct_id=col(ct, "id"), perm_ct=col(perm, "content_type"), perm_id=col(perm, "id"),
        own_perm=col(own, "permission"), own=quote(own.db_table), own_user=col(own, "user"),
        granted_perm=col(granted, "permission"), granted=quote(granted.db_table), groups=quote(groups.db_table),
        groups_group=col(groups, "group"), granted_group=col(granted, "group"), groups_user=col(groups, "user"),
    )


class StaffProfileBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        users = User._default_manager.select_related("staff_profile")
        with_names = connection.vendor == "postgresql"
        if with_names:
            names = "ARRAY({})".format(_permissions_sql(connection.ops.quote_name, as_names=True))
            # The SQL is the models' table and column names (_permissions_sql); the id goes as a parameter.
            users = users.annotate(permission_names=RawSQL(names, [user_id, user_id]))  # nosec  # noqa: S611
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        if with_names:
            names = user.__dict__.pop("permission_names")
            if user.is_active and not user.is_superuser:  # as get_all_permissions would read them
                user._perm_cache = set(names)
            elif user.is_active:  # a superuser: what they hold, for the app's roles (held_permissions)
                user._held_perm_cache = set(names)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _read_permissions(user_obj)
        return user_obj._perm_cache


def _read_permissions(user):
    """'app_label.codename' of what `user` holds through their groups and their own permissions: one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(connection.ops.quote_name), [user.pk, user.pk])
        return {f"{app}.{codename}" for app, codename in cursor.fetchall()}


def held_permissions(user):
    """'app_label.codename' of what an active user holds through their groups and their own permissions:
    for a superuser too, whose flag is left aside (Django's has_perm grants a superuser everything; the
    app's roles do not follow the flag: cases.permissions.holds). Read once per user object."""
    if not user.is_active or user.is_anonymous:
        return set()
    if not user.is_superuser:
        return user.get_all_permissions()
    if not hasattr(user, "_held_perm_cache"):
        user._held_perm_cache = _read_permissions(user)
    return user._held_perm_cache


def _cache_of(user):
    return "_held_perm_cache" if user.is_superuser else "_perm_cache"


def load_permissions(users):
    """Read the permissions of several users at once, in one statement, into the cache has_perm reads
    (`_perm_cache`, as get_all_permissions fills it; for a superuser, what they hold for the app's roles:
    held_permissions): a page that asks a permission rule of every supervisor it lists (who holds an
    escalation) costs one statement, not one per supervisor. Users already read and inactive users are
    left as they are."""
    todo = {u.pk: u for u in users if u.is_active and not hasattr(u, _cache_of(u))}
    if not todo:
        return
    for user in todo.values():
        setattr(user, _cache_of(user), set())
    for user_id, app, codename in _PERMISSIONS_OF(frozenset(todo)):
        getattr(todo[user_id], _cache_of(todo[user_id])).add(f"{app}.{codename}")


def _permissions_of(ids):
    User = get_user_model()
    own = User.user_permissions.through.objects.filter(user__pk__any=ids).values_list(
        "user_id", "permission__content_type__app_label", "permission__codename")
    grouped = User.groups.through.objects.filter(user__pk__any=ids, group__permissions__isnull=False).values_list(
        "user_id", "group__permissions__content_type__app_label", "group__permissions__codename")
    return own.union(grouped)


# The users' permissions, their own and their groups' (a UNION), by a statement written once per process
# (cases.frozen: the ORM took ~1.3 ms to compile it on every escalation queue).
_PERMISSIONS_OF = FrozenRead(_permissions_of)
