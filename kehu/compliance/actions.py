"""The one registry of audited actions. Services name these constants, never raw strings."""

from django.utils.translation import gettext_lazy as _

from kehu.compliance.audit import register_action as _r

# Authentication and sessions
LOGIN = _r("auth.login", _("登录成功"))
LOGIN_FAILED = _r("auth.login_failed", _("登录失败"))
LOGOUT = _r("auth.logout", _("退出登录"))
LOCKOUT = _r("auth.lockout", _("账号被锁定"))
UNLOCK = _r("auth.unlock", _("账号解锁"))
PASSWORD_CHANGE = _r("auth.password_change", _("修改密码"))
PASSWORD_RESET = _r("auth.password_reset", _("重置密码"))
MFA_ENROL = _r("auth.mfa_enrol", _("绑定双因素认证"))
MFA_FAILED = _r("auth.mfa_failed", _("双因素验证失败"))
MFA_RECOVERY_USED = _r("auth.mfa_recovery_used", _("使用恢复码"))
TOKEN_CREATE = _r("auth.token_create", _("创建 API 令牌"))
TOKEN_REVOKE = _r("auth.token_revoke", _("吊销 API 令牌"))

# Organisation
USER_CREATE = _r("org.user_create", _("创建用户"))
USER_UPDATE = _r("org.user_update", _("修改用户"))
USER_DISABLE = _r("org.user_disable", _("停用用户"))
USER_ENABLE = _r("org.user_enable", _("启用用户"))
ROLE_CREATE = _r("org.role_create", _("创建角色"))
ROLE_UPDATE = _r("org.role_update", _("修改角色"))
ROLE_GRANT = _r("org.role_grant", _("授予角色"))
ROLE_REVOKE = _r("org.role_revoke", _("收回角色"))
COMPANY_CREATE = _r("org.company_create", _("创建公司"))
DEPARTMENT_CREATE = _r("org.department_create", _("创建部门"))
DEPARTMENT_UPDATE = _r("org.department_update", _("修改部门"))
RESPONSIBILITY_SET = _r("org.responsibility_set", _("设置制度责任"))
USER_HANDOVER = _r("org.user_handover", _("离职交接"))

# Policy
POLICY_DRAFT = _r("policy.draft", _("起草制度版本"))
POLICY_EDIT = _r("policy.edit", _("修改制度草稿"))
POLICY_PUBLISH = _r("policy.publish", _("审批发布制度版本"))
POLICY_REJECT = _r("policy.reject", _("退回制度草稿"))
POLICY_SUBMIT = _r("policy.submit", _("提交制度版本审批"))

# Audit and system
AUDIT_SEARCH = _r("audit.search", _("查询审计日志"))
AUDIT_VERIFY = _r("audit.verify", _("校验审计链"))
AUDIT_PURGE = _r("audit.purge", _("清理过期审计日志"))
SYSTEM_INIT = _r("system.init", _("系统初始化"))

# Authentication (added with the login page)
LOGIN_THROTTLED = _r("auth.login_throttled", _("IP 登录尝试过多被限制"))
SESSION_END = _r("auth.session_end", _("会话结束（超时或被顶替）"))

# Field encryption (SECURITY.md CRY-4, CRY-5)
SECURITY_INTEGRITY = _r("security.integrity", _("加密字段完整性校验失败"))
KEYS_ROTATE = _r("security.keys_rotate", _("字段密钥轮换"))

# Customers
CUSTOMER_CREATE = _r("customer.create", _("新建客户"))
CUSTOMER_UPDATE = _r("customer.update", _("修改客户"))
CUSTOMER_VIEW = _r("customer.view", _("查看客户"))
CONTACT_CREATE = _r("customer.contact_create", _("新增联系人"))
CONTACT_UPDATE = _r("customer.contact_update", _("修改联系人"))
DUPLICATE_BLOCKED = _r("customer.duplicate_blocked", _("查重拦截"))

# Customer pages (SECURITY.md PI-4)
PII_REVEAL = _r("pii.reveal", _("查看完整个人信息"))

CUSTOMER_IMPORT = _r("customer.import", _("导入客户"))
CUSTOMER_EXPORT = _r("customer.export", _("导出客户"))
EXPORT_REQUEST = _r("customer.export_request", _("申请超量导出"))
EXPORT_APPROVE = _r("customer.export_approve", _("批准超量导出"))
EXPORT_REJECT = _r("customer.export_reject", _("驳回超量导出"))

# Customer merge (INFO-5) and data reviews (INFO-7)
CUSTOMER_MERGE = _r("customer.merge", _("合并重复客户"))
CUSTOMER_REVIEW = _r("customer.review", _("核实客户信息"))

# Customer attachments (INFO-10) and consent (PRIV-1, SECURITY.md PI-2)
ATTACHMENT_UPLOAD = _r("customer.attachment_upload", _("上传客户附件"))
ATTACHMENT_DOWNLOAD = _r("customer.attachment_download", _("下载客户附件"))
ATTACHMENT_DELETE = _r("customer.attachment_delete", _("删除客户附件"))
CONSENT_GRANT = _r("customer.consent_grant", _("记录个人信息同意"))
CONSENT_WITHDRAW = _r("customer.consent_withdraw", _("记录撤回或拒绝同意"))

# Field permissions and masking per role (SEC-3, SECURITY.md AC-4)
FIELD_PERMISSION_SET = _r("security.field_permission", _("修改字段权限"))

# Custom fields (INFO-8)
CUSTOM_FIELD_CREATE = _r("customer.field_create", _("新建自定义字段"))
CUSTOM_FIELD_UPDATE = _r("customer.field_update", _("修改自定义字段"))
CUSTOM_FIELD_DEACTIVATE = _r("customer.field_deactivate", _("停用自定义字段"))
CUSTOM_FIELD_ACTIVATE = _r("customer.field_activate", _("启用自定义字段"))
CUSTOM_FIELD_PRESET = _r("customer.field_preset", _("安装自定义字段预置方案"))
SUITABILITY_CHECK = _r("customer.suitability_check", _("投资者适当性匹配检查"))

# Exfiltration alerts (OWN-6)
ACCESS_ALERT_RAISE = _r("security.access_alert", _("异常访问预警"))
ACCESS_ALERT_ACKNOWLEDGE = _r("security.access_alert_acknowledge", _("确认异常访问预警"))
ACCESS_ALERT_CLOSE = _r("security.access_alert_close", _("关闭异常访问预警"))

# Customer ownership and pools (OWN-1..4)
CUSTOMER_CLAIM = _r("customer.claim", _("领取公海客户"))
CUSTOMER_ASSIGN = _r("customer.assign", _("分配客户"))
CUSTOMER_TRANSFER = _r("customer.transfer", _("转移客户"))
CUSTOMER_RELEASE = _r("customer.release", _("客户退回公海"))
CUSTOMER_RETURN = _r("customer.return_to_pool", _("客户按规则自动退回公海"))
CUSTOMER_LOCK = _r("customer.lock", _("锁定客户"))
CUSTOMER_UNLOCK = _r("customer.unlock", _("解锁客户"))
CUSTOMER_HANDOVER = _r("customer.handover", _("离职交接客户"))
CUSTOMER_DELETE = _r("customer.delete", _("删除客户"))
POOL_CREATE = _r("customer.pool_create", _("新建公海"))
POOL_UPDATE = _r("customer.pool_update", _("修改公海"))
TEAM_MEMBER_SET = _r("customer.member_set", _("设置客户协作人"))
TEAM_MEMBER_REMOVE = _r("customer.member_remove", _("移除客户协作人"))
TEAM_MEMBER_EXPIRE = _r("customer.member_expire", _("协作人到期移除"))
