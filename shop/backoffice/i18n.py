"""The back-office's words: written in Chinese in the templates, English looked up here.

The language is the one the kiosk uses: the session's `lang` (zh_CN or en), else the configured
LANGUAGE. Keys are the Chinese text itself, so a missing English entry still shows Chinese.
"""

from __future__ import annotations

from flask import current_app, session

EN = {
    "积分超市后台": "Points shop back-office",
    "登录": "Sign in",
    "用户名": "Username",
    "密码": "Password",
    "扫工作证登录": "Sign in with staff badge",
    "用户名密码登录": "Sign in with password",
    "请扫工作证": "Scan your staff badge",
    "工作证": "Staff badge",
    "输入密码": "Enter PIN",
    "清除": "Clear",
    "确定": "OK",
    "退出": "Sign out",
    "首页": "Home",
    "工作人员": "Staff",
    "户籍": "Households",
    "积分项目": "Points items",
    "评分": "Awards",
    "批量评分": "Batch award",
    "积分申请": "Applications",
    "导入积分": "Import awards",
    "导入名册": "Import roster",
    "户号": "Household no.",
    "户主": "Head",
    "村民小组": "Villager group",
    "人口": "Members",
    "状态": "Status",
    "积分": "Points",
    "余额": "Balance",
    "正常": "Active",
    "暂停": "Paused",
    "全部": "All",
    "搜索": "Search",
    "姓名、户号或拼音首字母": "Name, number or pinyin initials",
    "新增一户": "Add household",
    "保存": "Save",
    "修改": "Edit",
    "暂停兑换": "Pause",
    "恢复": "Restore",
    "存折": "Passbooks",
    "发放存折": "Issue passbook",
    "补办（旧存折挂失）": "Reissue (old one lost)",
    "作废": "Revoke",
    "积分明细": "Statement",
    "角色": "Role",
    "管理员": "Admin",
    "评定小组": "Evaluation panel",
    "记账员": "Clerk",
    "志愿者": "Volunteer",
    "监督小组": "Supervision panel",
    "已锁定": "Locked",
    "已停用": "Disabled",
    "解锁": "Unlock",
    "停用": "Disable",
    "启用": "Enable",
    "发工作证": "Issue badge",
    "新增工作人员": "Add staff",
    "显示名": "Display name",
    "预览": "Preview",
    "确认导入": "Confirm import",
    "确认评分": "Confirm award",
    "将新增": "Will be created",
    "将修改": "Will be changed",
    "不变": "Unchanged",
    "有问题的行": "Bad rows",
    "行": "Line",
    "原因": "Reason",
    "日期": "Date",
    "说明": "Memo",
    "项目": "Item",
    "合计": "Total",
    "冲正": "Reverse",
    "批准": "Approve",
    "驳回": "Reject",
    "提交申请": "Submit application",
    "选择文件": "Choose file",
    "打印小票": "Print slip",
    "导出PDF": "Export PDF",
    "从": "From",
    "到": "To",
    "筛选": "Filter",
    "停用项目": "Retire",
    "恢复项目": "Restore",
    "新增项目": "Add item",
    "新增类别": "Add category",
    "类别": "Category",
    "分值": "Points",
    "无权访问": "Not allowed",
    "下载存折卡（A4）": "Download passbook cards (A4)",
    "打印方式": "Print on",
    "A4纸": "A4 sheet",
    "小票打印机": "Receipt printer",
    "已保存": "Saved",
    "没有找到": "Nothing found",
    "选中的户": "Chosen households",
    "评分前余额": "Before",
    "评分后余额": "After",
    "为选中的户发放存折": "Issue passbooks to chosen households",
}


def lang() -> str:
    chosen = session.get("lang")
    if chosen not in ("zh_CN", "en"):
        chosen = current_app.config.get("LANGUAGE", "zh_CN")
    return "en" if str(chosen).startswith("en") else "zh"


def t(text: str) -> str:
    """The Chinese text, or its English when the session's language is English."""
    return EN.get(text, text) if lang() == "en" else text
