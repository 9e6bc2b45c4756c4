// Who makes a change, as every mutation records it in the audit trail: a signed-in user (with the
// address the request came from), a CLI command or the appliance itself ('system').
export type Actor = { username: string; ip?: string };
