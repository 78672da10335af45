"""The first version of each program family's standard agreement clauses (협약 일반조건),
article by article as DOMAIN.md lists what a 협약서 of these programs carries: the legal
basis, period, money and its management, the program's own duties, changes, reports and
inspections, settlement, termination, claw-back with 가산금 and 제재부가금, 참여제한, no
assignment, outcomes and follow-up, IP, confidentiality and personal data, notices with the
agency's address, disputes and the competent court.

They live in the database (`ClauseSet`, `Clause`) so that an administrator revises them as a
new version with the day it takes effect; this module is the version the portal starts with
(the data migration and the tests seed it). Placeholders are those of agreement_text.py."""

from __future__ import annotations

import datetime

from applications.models import Clause, ClauseSet
from applications.models.agreements import ClauseKind as K
from applications.models.programs import ProgramFamily

EFFECTIVE_ON = datetime.date(2026, 1, 1)

SUBSIDY_ACT = "「보조금 관리에 관한 법률」"


def _purpose(laws: str) -> tuple[str, str, str]:
    return (K.PURPOSE, "목적 및 법적 근거",
            f"① 이 협약은 {laws}에 따라 {{전담기관}}(이하 “전담기관”)과 {{회사명}}(이하 “수행기관”)이 {{사업명}}의 "
            "“{과제명}” 과제(이하 “과제”)를 수행하는 데 필요한 사항을 정함을 목적으로 한다.\n"
            "② 수행기관은 사업계획서와 이 협약에 따라 과제를 성실히 수행한다.\n"
            "③ 이 협약에서 정하지 아니한 사항은 제1항의 법령과 운영요령, {공고명}에 따른다.")


PERIOD = (K.PERIOD, "협약기간",
          "협약기간은 {협약시작일}부터 {협약종료일}까지로 한다. 다만, 협약변경으로 기간이 연장된 경우에는 변경된 기간으로 한다.")

PAYMENT = (K.PAYMENT, "사업비와 지급",
           "① 총사업비는 {총사업비}으로 하며, 정부지원금 {정부지원금}과 기업부담금 {기업부담금}(현금 {현금부담금}, 현물 {현물부담금})으로 이루어진다.\n"
           "② 전담기관은 정부지원금을 이 협약서의 지급 일정에 따라 수행기관 명의의 사업비 전용계좌로 지급한다.\n"
           "③ 수행기관은 기업부담금 중 현금을 정부지원금이 지급되기 전까지 사업비 전용계좌에 입금하며, 전담기관은 입금이 확인될 때까지 지급을 보류할 수 있다.")

PAYMENT_THREE_PARTIES = (
    K.PAYMENT, "사업비와 지급",
    "① 총사업비는 {총사업비}으로 하며, 정부지원금 {정부지원금}, 협력기업 부담금 {협력기업부담금}과 수행기관의 기업부담금 {기업부담금}"
    "(현금 {현금부담금}, 현물 {현물부담금})으로 이루어진다.\n"
    "② 전담기관은 정부지원금을 이 협약서의 지급 일정에 따라 수행기관 명의의 사업비 전용계좌로 지급한다.\n"
    "③ 협력기업과 수행기관은 각자의 현금 부담금을 정부지원금이 지급되기 전까지 사업비 전용계좌에 입금하며, 어느 한쪽이라도 입금하지 아니하면 "
    "전담기관은 정부지원금의 지급을 보류할 수 있다.")

EXPENSES = (K.EXPENSES, "사업비 관리",
            f"① 수행기관은 사업비를 사업비 전용계좌로 관리하고({SUBSIDY_ACT} 제34조), 협약서의 비목별 계획에 따라 과제의 목적에만 사용한다.\n"
            "② 모든 집행은 전자세금계산서, 신용카드 매출전표 또는 계좌이체 기록으로 증빙하며, 공고에서 정한 금액을 넘는 현금 지급과 "
            "수행기관의 특수관계인에게 지급한 금액은 사업비로 인정하지 아니한다.\n"
            "③ 부가가치세 매입세액을 공제받을 수 있는 수행기관이 부담한 부가가치세는 사업비로 인정하지 아니한다.\n"
            "④ 비목 사이의 전용은 공고에서 정한 범위에서 전담기관의 승인을 받아 할 수 있다.")

CHANGES = (K.CHANGES, "협약변경",
           "① 수행기관은 과제의 내용, 사업비 또는 협약기간을 변경하려면 변경 사유가 발생한 날부터 15일 이내, 협약종료일 1개월 전까지 "
           f"전담기관에 변경을 신청하여 승인을 받아야 한다({SUBSIDY_ACT} 제23조 및 제24조).\n"
           "② 협약기간은 1회에 한하여 3개월 이내로 연장할 수 있다.\n"
           "③ 정부지원금, 협약기간 또는 과제 목적의 변경은 두 당사자가 서명한 새 판의 협약서로 한다.")

REPORTING = (K.REPORTING, "보고 및 점검",
             "① 수행기관은 전담기관이 정한 서식과 기한에 따라 중간보고서를 제출하고, 협약종료일부터 2개월 이내에 결과보고서를 제출한다.\n"
             "② 전담기관은 과제의 수행과 사업비 집행을 확인하기 위하여 현장점검을 하거나 자료 제출을 요구할 수 있으며, "
             "수행기관은 정당한 사유 없이 이를 거부하거나 방해하여서는 아니 된다.\n"
             "③ 전담기관은 결과보고서를 평가하여 성공, 보통, 실패 또는 불성실로 판정하며, 실패나 불성실 판정은 제재의 사유가 될 수 있다.")

SETTLEMENT = (K.SETTLEMENT, "사업비 정산",
              "① 수행기관은 협약종료일부터 2개월 이내에 사업비 사용 실적을 보고하고 전담기관의 정산을 받아야 한다. 정부지원금이 1억원 이상이면 "
              "전담기관이 지정하는 회계법인 등 외부 전문기관의 정산보고서 검증을 받는다.\n"
              "② 정산 결과 집행하지 않은 정부지원금과 정부지원금에서 발생한 이자는 전담기관에 반납하며, 인정되지 않은 집행액은 환수한다.")

TERMINATION_GROUNDS = [
    "1. 거짓이나 그 밖의 부정한 방법으로 지원을 받은 경우",
    "2. 정당한 사유 없이 과제를 수행하지 아니하거나 수행할 수 없게 된 경우",
    "3. 사업비를 과제의 목적 외의 용도로 사용한 경우",
    "4. 휴업·폐업 또는 부도로 과제를 계속할 수 없게 된 경우",
    "5. 이 협약의 중요한 의무를 위반하고 전담기관의 시정 요구에 따르지 아니한 경우",
]


def _termination(*extra: str) -> tuple[str, str, str]:
    grounds = TERMINATION_GROUNDS + [f"{len(TERMINATION_GROUNDS) + n}. {ground}" for n, ground in enumerate(extra, 1)]
    return (K.TERMINATION, "협약해약", "\n".join(["전담기관은 다음 각 호의 어느 하나에 해당하는 경우 협약의 전부 또는 일부를 해약할 수 있다.", *grounds]))


CLAWBACK = (K.CLAWBACK, "환수, 가산금 및 제재부가금",
            "① 협약이 해약되거나 사업비를 목적 외로 사용한 경우 전담기관은 지급한 정부지원금의 전부 또는 일부의 반환을 명하며, 수행기관은 "
            f"반환 통지를 받은 날부터 30일 이내에 그 금액과 이자를 반환한다({SUBSIDY_ACT} 제31조).\n"
            "② 기한까지 반환하지 아니한 금액에는 관계 법령에서 정하는 가산금을 더하여 징수한다.\n"
            "③ 거짓이나 부정한 방법으로 지원을 받거나 사업비를 목적 외로 사용한 경우 전담기관은 그 금액의 5배 이내의 제재부가금을 부과할 수 있으며, "
            "수행기관은 부과 통지를 받은 날부터 30일 이내에 납부한다(같은 법 제33조의2).\n"
            "④ 반환하거나 징수할 금액 중 10원 미만의 끝수는 계산하지 아니한다(「국고금 관리법」 제47조).")

BAN = (K.BAN, "참여제한",
       "수행기관이 협약해약이나 제재부가금 부과의 사유에 해당하는 경우 전담기관은 관계 법령에 따라 5년 이내의 기간 동안 정부 지원사업 참여를 "
       f"제한할 수 있다({SUBSIDY_ACT} 제31조의2). 제한의 근거와 기간은 처분 통지서에 적는다.")

ASSIGNMENT = (K.ASSIGNMENT, "권리·의무의 양도 금지",
              "수행기관은 전담기관의 사전 승인 없이 이 협약에 따른 권리·의무의 전부 또는 일부를 제3자에게 양도하거나 담보로 제공할 수 없다. "
              "정부지원금을 받을 권리도 같다.")

IP = (K.IP, "지식재산권",
      "과제 수행으로 발생한 지식재산권은 관계 법령에 따라 {회사명}에 귀속하며, 수행기관은 그 출원과 등록 사실을 전담기관에 보고한다.")

CONFIDENTIALITY = (K.CONFIDENTIALITY, "비밀유지 및 개인정보 보호",
                   "① 두 당사자는 협약을 이행하며 알게 된 상대방의 영업비밀과 기술 정보를 상대방의 동의 없이 제3자에게 누설하거나 과제 외의 목적에 "
                   "사용하여서는 아니 된다. 협약이 끝난 뒤에도 같다.\n"
                   "② 전담기관은 수행기관 임직원의 개인정보를 「개인정보 보호법」에 따라 협약의 이행, 사후관리와 법령에 따른 자료 제공의 목적으로만 처리한다.")

NOTICES = (K.NOTICES, "통지",
           "① 이 협약에 따른 통지, 신청과 보고는 포털로 하며, 포털을 쓸 수 없는 경우에는 서면으로 한다.\n"
           "② 전담기관에 보내는 서면의 수신처: {전담기관}, {전담기관주소}")

DISPUTES = (K.DISPUTES, "분쟁 해결 및 관할법원",
            "① 이 협약에 관하여 분쟁이 생기면 두 당사자는 먼저 협의하여 해결한다.\n"
            "② 협의로 해결되지 아니한 분쟁에 관한 소송은 전담기관의 주된 사무소 소재지를 관할하는 지방법원을 관할법원으로 한다.")


SMART_FACTORY = [
    _purpose(f"{SUBSIDY_ACT}, 「중소기업기술혁신 촉진법」과 전담기관의 스마트공장 보급·확산사업 운영요령"),
    PERIOD, PAYMENT, EXPENSES,
    (K.PROGRAM, "공급기업과 스마트공장 구축",
     "① 수행기관은 스마트공장을 구축할 공급기업과 공급계약을 맺고 그 사본을 전담기관에 제출하며, 공급기업에 지급하는 대금은 사업비 전용계좌에서 "
     "공급기업 명의의 계좌로 이체한다.\n"
     "② 수행기관은 공급기업과 특수관계에 있어서는 아니 되며, 공급기업을 바꾸려면 협약변경 승인을 받아야 한다.\n"
     "③ 수행기관은 구축을 마치면 검수를 하고 그 결과를 결과보고서에 첨부한다."),
    CHANGES, REPORTING, SETTLEMENT, _termination(), CLAWBACK, BAN, ASSIGNMENT,
    (K.OUTCOMES, "성과 관리 및 사후관리",
     "① 수행기관은 과제가 끝나면 스마트공장 수준확인을 받고, 생산성·품질·원가·납기(PQCD)와 고용이 구축 전보다 어떻게 달라졌는지 결과보고서에 적는다.\n"
     "② 수행기관은 협약종료일부터 3년 동안 전담기관의 성과 조사에 응한다.\n"
     "③ 정부지원금으로 구축한 시스템과 설비는 협약종료일부터 3년 동안 과제의 목적에 맞게 운영하며, 전담기관의 승인 없이 양도·대여하거나 "
     "담보로 제공하거나 폐기할 수 없다."),
    IP, CONFIDENTIALITY, NOTICES, DISPUTES,
]

MATERIALS = [
    _purpose(f"{SUBSIDY_ACT}, 「소재·부품·장비산업 경쟁력 강화 및 공급망 안정화를 위한 특별조치법」, 「중소기업창업 지원법」과 "
             "전담기관의 창업사업화 지원사업 운영요령"),
    PERIOD, PAYMENT, EXPENSES,
    (K.PROGRAM, "핵심기술의 보호",
     "① 수행기관은 과제로 확보한 소재·부품·장비 기술과 그 자료가 유출되지 않도록 보안 조치를 한다.\n"
     "② 과제의 기술이 「산업기술의 유출방지 및 보호에 관한 법률」에 따른 국가핵심기술이나 산업기술에 해당하면, 이를 수출하거나 해외 인수·합병 등으로 "
     "이전하기 전에 같은 법에 따른 승인이나 신고를 거치고 그 사실을 전담기관에 미리 알린다.\n"
     "③ 수행기관은 협약기간 중 본점을 국외로 옮기거나 과제의 기술을 외국 기업에 양도하려면 전담기관의 사전 승인을 받아야 한다."),
    CHANGES, REPORTING, SETTLEMENT, _termination("전담기관의 승인 없이 과제의 기술을 국외로 이전한 경우"), CLAWBACK, BAN, ASSIGNMENT,
    (K.OUTCOMES, "성과 관리 및 사후관리",
     "① 수행기관은 협약종료일부터 5년 동안 매출, 고용, 투자유치와 수입대체 등 사업화 성과를 해마다 전담기관에 제출한다.\n"
     "② 정부지원금으로 취득한 장비와 시제품 제작 설비는 협약종료일부터 3년 동안 전담기관의 승인 없이 양도·대여하거나 담보로 제공할 수 없다."),
    IP, CONFIDENTIALITY, NOTICES, DISPUTES,
]

WIN_WIN = [
    _purpose(f"{SUBSIDY_ACT}, 「대·중소기업 상생협력 촉진에 관한 법률」과 전담기관의 상생협력 지원사업 운영요령"),
    PERIOD, PAYMENT_THREE_PARTIES, EXPENSES,
    (K.PROGRAM, "협력기업의 참여와 의무",
     "① 과제에 참여하는 대기업 등(이하 “협력기업”)은 협력기업 부담금 {협력기업부담금}을 내고, 교육, 기술 지원과 판로 등 공고에서 정한 지원을 제공한다.\n"
     "② 협력기업은 지원을 이유로 수행기관에 기술자료를 요구하거나, 거래상 지위를 이용하여 납품단가 인하 등 부당한 조건을 요구하여서는 아니 된다.\n"
     "③ 협력기업이 과제의 성과를 사용하려면 수행기관과 서면으로 따로 합의한다."),
    CHANGES, REPORTING, SETTLEMENT, _termination("협력기업이 부담금을 내지 아니하거나 지원을 중단하여 과제를 계속할 수 없게 된 경우"),
    CLAWBACK, BAN, ASSIGNMENT,
    (K.OUTCOMES, "성과 관리 및 사후관리",
     "① 수행기관과 협력기업은 거래 유지, 기술·품질 개선과 판로 확대 등 상생협력의 성과를 결과보고서에 적는다.\n"
     "② 수행기관은 협약종료일부터 3년 동안 전담기관의 동반성장 성과 조사에 응한다."),
    IP, CONFIDENTIALITY, NOTICES, DISPUTES,
]

FREE_ZONE = [
    _purpose(f"{SUBSIDY_ACT}, 「규제자유특구 및 지역특화발전특구에 관한 규제특례법」, 해당 규제자유특구계획과 전담기관의 규제자유특구 혁신사업 운영요령"),
    PERIOD, PAYMENT, EXPENSES,
    (K.PROGRAM, "실증특례와 안전관리",
     "① 수행기관은 부여받은 실증특례의 조건과 특구계획에서 정한 실증의 범위·기간·장소를 지킨다.\n"
     "② 수행기관은 실증을 시작하기 전에 실증으로 이용자나 제3자가 입을 수 있는 손해를 배상하기 위한 책임보험에 가입하고, 그 증권 사본을 전담기관에 제출한다.\n"
     "③ 실증 중 사고가 나거나 안전에 위험이 생기면 수행기관은 즉시 실증을 멈추고 24시간 이내에 전담기관에 보고하며, 관계 중앙행정기관의 장이나 "
     "전담기관의 실증 중지와 시정 요구에 따른다.\n"
     "④ 수행기관은 협약기간 중 실증 사업장을 규제자유특구 밖으로 옮기지 아니한다."),
    CHANGES, REPORTING, SETTLEMENT, _termination("특구사업자 지정이나 실증특례가 취소된 경우"), CLAWBACK, BAN, ASSIGNMENT,
    (K.OUTCOMES, "성과 관리 및 사후관리",
     "① 수행기관은 실증 결과(안전성과 효과의 검증 자료)를 전담기관에 제출하며, 전담기관은 이를 규제 정비의 근거로 관계 중앙행정기관에 제공할 수 있다.\n"
     "② 수행기관은 협약종료일부터 3년 동안 전담기관의 성과 조사에 응한다."),
    IP, CONFIDENTIALITY, NOTICES, DISPUTES,
]

FAMILIES = {
    ProgramFamily.SMART_FACTORY: ("스마트공장 구축·고도화 지원사업 협약 일반조건", SMART_FACTORY),
    ProgramFamily.MATERIALS: ("소재·부품·장비 지원사업 협약 일반조건", MATERIALS),
    ProgramFamily.WIN_WIN: ("상생협력(자상한 기업·상생형) 지원사업 협약 일반조건", WIN_WIN),
    ProgramFamily.FREE_ZONE: ("규제자유특구 지원사업 협약 일반조건", FREE_ZONE),
}


def seed(clause_set_model, clause_model) -> None:
    """Create version 1 of each family's clauses unless the family has clauses already (used
    by the data migration and by tests, whose transactional cases empty every table)."""
    for family, (title, articles) in FAMILIES.items():
        if clause_set_model.objects.filter(family=family).exists():
            continue
        clause_set = clause_set_model.objects.create(family=family, version=1, effective_on=EFFECTIVE_ON, title=title,
                                                     note="포털이 처음 갖춘 일반조건")
        clause_model.objects.bulk_create(clause_model(clause_set=clause_set, order=n, kind=kind, heading=heading, body=body)
                                         for n, (kind, heading, body) in enumerate(articles, 1))


def ensure_seeded() -> None:

    seed(ClauseSet, Clause)
