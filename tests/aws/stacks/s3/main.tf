# Oracle stack for the S3 reader: every emitted type in several shapes. v3-provider style
# (settings inline on aws_s3_bucket) and v4+ style (split aws_s3_bucket_* resources), a bucket in
# another region, minimal buckets with everything optional+computed left unset. Applied to moto by
# tests/aws/test_s3_oracle.py, mutated out of band, refreshed, and compared with the reader.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

# The test adds this alias's endpoints in an override file, as it does for the default provider.
provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}

data "aws_caller_identity" "me" {}

locals {
  account = data.aws_caller_identity.me.account_id
}

# ---------------------------------------------------------------- minimal and prefixed

resource "aws_s3_bucket" "min" {
  bucket = "dp-min"
}

resource "aws_s3_bucket" "prefixed" {
  bucket_prefix = "dp-pre-"
  force_destroy = true
  tags = {
    Name = "prefixed"
    Env  = "test"
  }
}

# ---------------------------------------------------------------- v3 style: inline settings

resource "aws_s3_bucket" "logs" {
  bucket = "dp-logs"
}

resource "aws_s3_bucket" "replica" {
  bucket = "dp-replica"
  versioning {
    enabled = true
  }
}

resource "aws_kms_key" "bucket" {
  description = "bucket key"
}

resource "aws_s3_bucket" "inline" {
  bucket = "dp-inline"
  acl    = "private"

  versioning {
    enabled = true
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.bucket.arn
      }
      bucket_key_enabled = true
    }
  }

  logging {
    # moto checks the target's ACL grants the log-delivery group WRITE and READ_ACP
    target_bucket = aws_s3_bucket.grants.id
    target_prefix = "inline/"
  }

  lifecycle_rule {
    id      = "expire-tmp"
    enabled = true
    prefix  = "tmp/"
    expiration {
      days = 30
    }
    noncurrent_version_expiration {
      days = 7
    }
  }

  lifecycle_rule {
    id                                     = "archive"
    enabled                                = false
    abort_incomplete_multipart_upload_days = 3
    tags = {
      class = "cold"
    }
    transition {
      days          = 60
      storage_class = "GLACIER"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    noncurrent_version_transition {
      days          = 45
      storage_class = "GLACIER"
    }
  }

  cors_rule {
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = ["https://example.com"]
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 300
  }

  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = ["https://upload.example.com"]
  }

  website {
    index_document = "index.html"
    error_document = "error.html"
    routing_rules = jsonencode([{
      Condition = { KeyPrefixEquals = "docs/" }
      Redirect  = { ReplaceKeyPrefixWith = "documents/" }
    }])
  }

  replication_configuration {
    role = "arn:aws:iam::123456789012:role/replication"
    # moto answers every rule with a V2 filter holding only prefix "" and priority 1 (AWS
    # keeps V1 rules and filter contents); anything else would be drift on a clean apply.
    rules {
      id       = "all"
      status   = "Enabled"
      priority = 1
      filter {}
      destination {
        bucket        = aws_s3_bucket.replica.arn
        storage_class = "STANDARD"
      }
    }
  }

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecure"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::dp-inline", "arn:aws:s3:::dp-inline/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }, {
      Sid       = "HomeOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:ListBucket"
      Resource  = "arn:aws:s3:::dp-inline"
      Condition = { StringNotLike = { "s3:prefix" = ["home/<user>&team/*", ""] } }
    }]
  })

  tags = {
    Name = "inline"
  }
}

resource "aws_s3_bucket" "grants" {
  bucket = "dp-grants"
  grant {
    type        = "Group"
    uri         = "http://acs.amazonaws.com/groups/s3/LogDelivery"
    permissions = ["WRITE", "READ_ACP"]
  }
  grant {
    id          = data.aws_canonical_user_id.me.id
    type        = "CanonicalUser"
    permissions = ["FULL_CONTROL"]
  }
}

data "aws_canonical_user_id" "me" {}

resource "aws_s3_bucket" "locked" {
  bucket              = "dp-locked"
  object_lock_enabled = true
}

# ---------------------------------------------------------------- v4+ style: split resources

resource "aws_s3_bucket" "split" {
  bucket = "dp-split"
  tags = {
    Name = "split"
  }
}

resource "aws_s3_bucket_versioning" "split" {
  bucket = aws_s3_bucket.split.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "split" {
  bucket                  = aws_s3_bucket.split.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "split" {
  bucket = aws_s3_bucket.split.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "split" {
  bucket = aws_s3_bucket.split.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ReadForAccount"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account}:root" }
        Action    = ["s3:GetObject", "s3:ListBucket"]
        Resource  = [aws_s3_bucket.split.arn, "${aws_s3_bucket.split.arn}/*"]
      },
    ]
  })
}

resource "aws_s3_bucket" "kms" {
  bucket = "dp-kms"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "kms" {
  bucket                = aws_s3_bucket.kms.id
  expected_bucket_owner = local.account
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.bucket.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "kms" {
  bucket                = aws_s3_bucket.kms.id
  expected_bucket_owner = local.account
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket_public_access_block" "kms" {
  bucket            = aws_s3_bucket.kms.id
  block_public_acls = true
}

# A v3-to-v4 migration shape: versioning "Disabled" adopts an unversioned bucket (no API call).
resource "aws_s3_bucket" "unversioned" {
  bucket = "dp-unversioned"
}

resource "aws_s3_bucket_versioning" "unversioned" {
  bucket = aws_s3_bucket.unversioned.id
  versioning_configuration {
    status = "Disabled"
  }
}

resource "aws_s3_bucket" "doomed" {
  bucket = "dp-doomed"
}

resource "aws_s3_bucket_policy" "doomed" {
  bucket = aws_s3_bucket.doomed.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:DeleteBucket"
      Resource  = aws_s3_bucket.doomed.arn
    }]
  })
}

# ---------------------------------------------------------------- another region

resource "aws_s3_bucket" "eu" {
  provider = aws.eu
  bucket   = "dp-eu-site"
  website {
    redirect_all_requests_to = "https://example.com"
  }
  tags = {
    Region = "eu"
  }
}

resource "aws_s3_bucket_public_access_block" "eu" {
  provider                = aws.eu
  bucket                  = aws_s3_bucket.eu.id
  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = false
  restrict_public_buckets = true
}
