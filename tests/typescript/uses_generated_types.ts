// Uses the types openapi-typescript generates from the three specs: every request form and every documented answer.
// `tsc --strict` must accept this file. A form that lost a field or a field that lost its type breaks a valid value
// below; each `@ts-expect-error` line must stay an error, so a type that accepts too much breaks the file too.
import type { components as VipComponents, operations as VipOperations } from "./generated/vip-connect";
import type { components as PtxComponents, operations as PtxOperations } from "./generated/paytronix";
import type { components as ValkComponents, operations as ValkOperations } from "./generated/valkyrie";

// --- VIP Connect ---------------------------------------------------------------------------------------------------

type Vip = VipComponents["schemas"];
type Lookup = VipOperations["accountLookup"];
type LookupRequest = Lookup["requestBody"]["content"]["application/json"];
type LookupAnswer = Lookup["responses"][200]["content"]["application/json"];
type VipError = Lookup["responses"][400 | 404]["content"]["application/json"];

export const byVipNumber: Vip["LookupByVipNumber"] = { VipAccountNumber: "7210988860", ProductType: "online" };
export const byIdDetails: Vip["LookupByIdDetails"] = { IdType: "DL", IdNumber: "GA054983545", IdState: "GA", ProductType: "preferred" };
export const bySocialSecurity: Vip["LookupByIdDetails"] = { IdType: "SS", IdNumber: "543083512" };
export const lookups: LookupRequest[] = [byVipNumber, byIdDetails, bySocialSecurity];

// @ts-expect-error the VIP number form needs the number
export const numberMissing: Vip["LookupByVipNumber"] = { ProductType: "preferred" };
// @ts-expect-error the ID form needs IdNumber
export const idNumberMissing: Vip["LookupByIdDetails"] = { IdType: "SS" };
// @ts-expect-error IdState is required unless IdType is SS
export const stateMissing: Vip["LookupByIdDetails"] = { IdType: "DL", IdNumber: "GA054983545" };
// @ts-expect-error ProductType is preferred or online
export const productUnknown: Vip["LookupByVipNumber"] = { VipAccountNumber: "7210988860", ProductType: "gold" };

const patron = {
  memberSince: "2022-08-01T00:00:00+00:00",
  lastTransaction: "0001-01-01T00:00:00+00:00",
  mostRecentTransactionAmount: 0.0,
  dateOfBirth: "09101997",
  last4SSN: "3545",
  incrementalLimitAmount: 0.0,
  maxLimitAmount: 0.0,
  vipCardNumber: "7210988860",
  idNumber: "****3545",
  idType: "DL",
  idState: "GA",
  firstName: "JOHN",
  lastName: "SMITH",
  name: "JOHN SMITH",
  address: "28 NQQODHNDV",
  city: "PRZYFAYQA",
  state: "TN",
  zip: "28292",
  homePhoneNumber: "8434811326",
  mobilePhoneNumber: "8434811326",
  email: "8ZN2EMYP@5JP6OEAZ.COM",
  limitAmount: 4500.0,
  isInGoodStanding: true,
  oneClickDiscountEligible: false,
} as const;
const bank = { maskedAccountNumber: "****9999", routingNumber: "11111111", bankName: "Jpmorgan Chase Bank, Na" };

export const preferred: Vip["VipPreferredAccount"] = {
  ...patron,
  availableAmount: 4500.0,
  bankAccounts: [{ ...bank, availableLimit: 0.0, instantPaymentEligible: false }],
};
export const online: Vip["VipOnlineAccount"] = {
  ...patron,
  bankAccounts: [{ ...bank, availableAmount: 348.31, instantPaymentEligible: true }],
};
export const answers: LookupAnswer[] = [preferred, online];
export const accountClosed: VipError = {
  errorCode: "13",
  transactionStage: "VIP Account Inquiry",
  operatorErrorMessage: "Account is closed.",
  operatorDeclineDescription: "This transaction has been requested from an account that has been closed.",
  patronErrorMessage: "We are unable to complete this request.",
};

// @ts-expect-error a VIP Preferred bank account carries availableLimit
export const limitMissing: Vip["PreferredBankAccount"] = { ...bank, instantPaymentEligible: true };
// @ts-expect-error a VIP Online bank account carries availableAmount
export const amountMissing: Vip["OnlineBankAccount"] = { ...bank, instantPaymentEligible: true };
// @ts-expect-error the VIP error body carries its five fields
export const stageMissing: VipError = { errorCode: "12", operatorErrorMessage: "", operatorDeclineDescription: "", patronErrorMessage: "" };

export function describeLookup(answer: LookupAnswer | VipError): string {
  if ("errorCode" in answer) {
    return `${answer.errorCode} ${answer.operatorErrorMessage}`;
  }
  const banks = (answer.bankAccounts ?? []).map((account) => `${account.bankName} ${account.instantPaymentEligible}`);
  return `${answer.name} ${answer.limitAmount.toFixed(2)} ${banks.join(", ")}`;
}

// --- Paytronix -----------------------------------------------------------------------------------------------------

type Ptx = PtxComponents["schemas"];
type PostInformation = PtxOperations["postAccountInformation"];
type PostBody = PostInformation["requestBody"]["content"]["application/json"];
type Query = PtxOperations["getAccountInformation"]["parameters"]["query"];
type Result = PostInformation["responses"][200]["content"]["application/json"];
type InvalidInputs = PostInformation["responses"][400]["content"]["application/json"];

export const oauth: Ptx["OAuthFields"] = { authentication: "oauth", merchantId: 777777, access_token: "a-token", printedCardNumber: "6000301000418000" };
export const card: Ptx["CardFields"] = { authentication: "card", merchantId: 777777, printedCardNumber: "6000301000418000", registrationCode: "418000", client_id: "a-client" };
export const guest: Ptx["GuestFields"] = { authentication: "guest", merchantId: 777777, username: "GuestREST", password: "a-password" };
export const bodies: PostBody[] = [oauth, card, guest];
export const query: Query = { authentication: "card", merchantId: 777777, printedCardNumber: "6000301000418000", registrationCode: "418000" };

// @ts-expect-error card authentication needs the registration code
export const codeMissing: Ptx["CardFields"] = { authentication: "card", merchantId: 777777, printedCardNumber: "6000301000418000" };
// @ts-expect-error OAuth authentication needs the access token
export const tokenMissing: Ptx["OAuthFields"] = { authentication: "oauth", merchantId: 777777 };
// @ts-expect-error guest authentication needs the password
export const passwordMissing: Ptx["GuestFields"] = { authentication: "guest", merchantId: 777777, username: "GuestREST" };
// @ts-expect-error every style needs merchantId
export const merchantMissing: Ptx["GuestFields"] = { authentication: "guest", username: "GuestREST", password: "a-password" };
// @ts-expect-error merchantId is an integer, not a string
export const merchantAsText: Ptx["OAuthFields"] = { authentication: "oauth", merchantId: "777777", access_token: "a-token" };
// @ts-expect-error the card form is for card authentication
export const styleMismatch: Ptx["CardFields"] = { authentication: "oauth", merchantId: 777777, printedCardNumber: "1", registrationCode: "1" };

const store = { code: "corp", label: "Corporate" };
export const success: Result = {
  result: "success",
  accountStatus: "ACTIVE",
  additionalCards: [],
  cardTemplateCode: 3,
  cardTemplateLabel: "Loyalty Card",
  enrollmentStore: store,
  fields: { enrollDate: "2014-07-29", externalAccounts: [], favoriteStore: store, perks: [] },
  isRegistered: true,
  pointBalances: [{ balance: "1", giftable: false, name: "Visits", walletCode: 5 }],
  primaryCard: { maskedCardNumber: "418000", printedCardNumber: "6000301000418000", status: "ACTIVE" },
  queryCardStatus: "ACTIVE",
  rewardBalances: [],
  tierCode: 1,
  tierLabel: "REGISTERED",
  username: "GuestREST",
};
export const failure: Result = { result: "failure", errorCode: "guest.invalid_registration_code", errorMessage: "No." };
export const invalidStatus: Result = { result: "invalid_status", errorCode: "guest.card_not_in_required_state" };
export const invalidInputs: InvalidInputs = { result: "failure", errorCode: "request.invalid_inputs", errorMessage: "No." };

// @ts-expect-error a failure carries its error message
export const messageMissing: Ptx["Failure"] = { result: "failure", errorCode: "guest.card_not_found" };
// @ts-expect-error a success carries the whole balance
export const balanceMissing: Result = { result: "success", username: "GuestREST" };

export function describeResult(result: Result): string {
  switch (result.result) {
    case "success":
      return `${result.username} ${result.pointBalances.map((wallet) => `${wallet.name} ${wallet.balance}`).join(", ")}`;
    case "failure":
      return `${result.errorCode} ${result.errorMessage}`;
    case "invalid_status":
      return result.errorCode ?? "invalid_status";
  }
}

// --- Valkyrie ------------------------------------------------------------------------------------------------------

type Valk = ValkComponents["schemas"];
type GetBalance = ValkOperations["getBalance"];
type BalanceAnswer = GetBalance["responses"][200]["content"]["application/json"];
type HardError = GetBalance["responses"][400 | 401]["content"]["application/json"];

export const parameters: GetBalance["parameters"] = {
  path: { playerId: "73619e57b3bc4b4e9014132be3bd12a9" },
  query: { provider: "evolution" },
  header: { "X-Player-Token": "762444345c88c70acc312795a840dd98fd55fc67", "X-Correlation-ID": "my-request-1" },
};
export const ok: BalanceAnswer = { status: "OK", balance: { cashAmount: 1236.123456, bonusAmount: 10.5, promoAmount: 0 } };
export const playerNotFound: BalanceAnswer = { status: "ERROR", error: { code: "PAM_ERR_PLAYER_NOT_FOUND", message: "player not found" } };
export const sessionExpired: Valk["BalanceError"] = { status: "ERROR", error: { code: "PAM_ERR_SESSION_EXPIRED", message: "expired" } };
export const accountNotFound: Valk["BalanceError"] = { status: "ERROR", error: { code: "PAM_ERR_ACC_NOT_FOUND", message: "no account" } };
export const sessionNotFound: HardError = { status: "Error", error: { code: "PAM_ERR_SESSION_NOT_FOUND", message: "string" } };
export const apiToken: HardError = { status: "ERROR", error: { code: "PAM_ERR_API_TOKEN", message: "wrong token" } };
export const missingProvider: HardError = { status: "ERROR", error: { code: "PAM_ERR_MISSING_PROVIDER", message: "provider not found" } };

// @ts-expect-error an OK answer carries its balance
export const okWithoutBalance: BalanceAnswer = { status: "OK" };
// @ts-expect-error a balance has all three amounts
export const promoMissing: Valk["Balance"] = { cashAmount: 1, bonusAmount: 0 };
// @ts-expect-error error codes are the seed's list
export const codeUnknown: Valk["PamError"] = { code: "PAM_ERR_NOT_A_CODE", message: "" };
// @ts-expect-error the balance call needs X-Correlation-ID
export const correlationMissing: GetBalance["parameters"]["header"] = { "X-Player-Token": "762444345c88c70acc312795a840dd98fd55fc67" };

export function cashOrReason(answer: BalanceAnswer): string {
  return answer.status === "OK" ? answer.balance.cashAmount.toFixed(6) : answer.error.code;
}
