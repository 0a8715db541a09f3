"""Permissions of the customer archive, and which default roles hold them."""

from django.utils.translation import gettext_lazy as _

from kehu.org import roles
from kehu.org.permissions import BUSINESS, SECURITY, SYSTEM, register

VIEW = register("customer.view", _("查看客户"), BUSINESS)
CREATE = register("customer.create", _("新建客户"), BUSINESS)
EDIT = register("customer.edit", _("编辑客户"), BUSINESS)
MERGE = register("customer.merge", _("合并重复客户"), BUSINESS)
IMPORT = register("customer.import", _("导入客户"), BUSINESS)
EXPORT = register("data.export", _("导出客户数据"), BUSINESS)
EXPORT_APPROVE = register("data.export.approve", _("审批超量导出"), BUSINESS)
UNMASK = register("pii.unmask", _("查看完整个人信息（需填写理由）"), BUSINESS)
REVIEW = register("customer.review", _("核实客户信息"), BUSINESS)
CUSTOM_FIELDS = register("customer.fields.manage", _("管理客户自定义字段"), SYSTEM)
# Who may see or change which customer field is a security policy (三员分立): the security administrator's.
FIELD_POLICY = register("customer.fields.policy", _("管理字段权限与脱敏方式"), SECURITY)

_WORK = [VIEW, CREATE, EDIT, REVIEW]
DEFAULT_GRANTS = {
    roles.GENERAL_MANAGER: [VIEW, EXPORT, EXPORT_APPROVE, UNMASK],
    roles.MARKETING_VP: [*_WORK, IMPORT, EXPORT, EXPORT_APPROVE, MERGE, UNMASK],
    roles.SALES_MANAGER: [*_WORK, IMPORT, EXPORT, EXPORT_APPROVE, MERGE, UNMASK],
    roles.KEY_ACCOUNT_MANAGER: _WORK,
    roles.SALESPERSON: _WORK,
    roles.CUSTOMER_SERVICE: _WORK,
    roles.TECHNICAL_ENGINEER: [VIEW],
    roles.QUALITY_ENGINEER: [VIEW],
    roles.AFTER_SALES_ENGINEER: [VIEW],
    roles.SYSTEM_ADMIN: [CUSTOM_FIELDS],
    roles.SECURITY_ADMIN: [FIELD_POLICY],
}

# Attachments (INFO-10) and consent records (PRIV-1); granted by migration 0007.
ATTACHMENT_UPLOAD = register("customer.attachment.upload", _("上传客户附件"), BUSINESS)
ATTACHMENT_DELETE = register("customer.attachment.delete", _("删除客户附件"), BUSINESS)
CONSENT_RECORD = register("customer.consent.record", _("记录个人信息同意与撤回"), BUSINESS)

_FILES_AND_CONSENT = [ATTACHMENT_UPLOAD, ATTACHMENT_DELETE, CONSENT_RECORD]
ATTACHMENT_CONSENT_GRANTS = {
    roles.MARKETING_VP: _FILES_AND_CONSENT,
    roles.SALES_MANAGER: _FILES_AND_CONSENT,
    roles.KEY_ACCOUNT_MANAGER: _FILES_AND_CONSENT,
    roles.SALESPERSON: _FILES_AND_CONSENT,
    roles.CUSTOMER_SERVICE: _FILES_AND_CONSENT,
}

# Ownership and pools (OWN-1..4); granted by migration 0010. Owners release their own customers with
# POOL_USE; moving a customer between people is a manager's (TRANSFER), and so are locks. Deleting a
# customer is privileged (OWN-2): an owner cannot, whatever they hold.
POOL_USE = register("customer.pool.use", _("领取和退回公海客户"), BUSINESS)
TRANSFER = register("customer.transfer", _("分配和转移客户"), BUSINESS)
LOCK = register("customer.lock", _("锁定和解锁客户"), BUSINESS)
DELETE = register("customer.delete", _("删除客户（留存备查）"), BUSINESS)
POOL_MANAGE = register("customer.pool.manage", _("管理公海及其成员"), BUSINESS)

OWNERSHIP_GRANTS = {
    roles.MARKETING_VP: [POOL_USE, TRANSFER, LOCK, DELETE, POOL_MANAGE],
    roles.SALES_MANAGER: [POOL_USE, TRANSFER, LOCK],
    roles.KEY_ACCOUNT_MANAGER: [POOL_USE],
    roles.SALESPERSON: [POOL_USE],
}
