-- Real identities (issue 11): disabled accounts, single sign-on accounts
-- (matched by issuer + subject; e-mail is a display value), and the short-lived
-- state of an OpenID Connect sign-in between the redirect and the callback.
-- A single sign-on account has no local password: its password_hash is ''.
ALTER TABLE "users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3);
ALTER TABLE "users" ADD COLUMN "email" TEXT;
ALTER TABLE "users" ADD COLUMN "display_name" TEXT;
ALTER TABLE "users" ADD COLUMN "oidc_issuer" TEXT;
ALTER TABLE "users" ADD COLUMN "oidc_subject" TEXT;

CREATE UNIQUE INDEX "users_oidc_issuer_oidc_subject_key" ON "users"("oidc_issuer", "oidc_subject");

-- CreateTable
CREATE TABLE "oidc_logins" (
    "state" TEXT NOT NULL,
    "binding" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "code_verifier" TEXT NOT NULL,
    "next" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oidc_logins_pkey" PRIMARY KEY ("state")
);
