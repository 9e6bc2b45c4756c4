-- CreateEnum
CREATE TYPE "PeerRole" AS ENUM ('PRIMARY', 'SECONDARY');

-- CreateEnum
CREATE TYPE "TrustedHostStatus" AS ENUM ('PENDING', 'PAIRED', 'UNREACHABLE');

-- CreateTable
CREATE TABLE "trusted_host" (
    "id" UUID NOT NULL,
    "appliance_id" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "role" "PeerRole" NOT NULL,
    "status" "TrustedHostStatus" NOT NULL DEFAULT 'PENDING',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trusted_host_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "trusted_host_appliance_id_key" ON "trusted_host"("appliance_id");

-- CreateIndex
CREATE UNIQUE INDEX "trusted_host_domain_key" ON "trusted_host"("domain");
