# The web servers: an IAM role for them, the instances themselves and their scratch volumes.

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}

resource "aws_iam_role" "web" {
  name        = "${var.name}-web"
  description = "Assumed by the web servers"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_instance_profile" "web" {
  name = "${var.name}-web"
  role = aws_iam_role.web.name
}

# Read-only access to the static assets, as a managed policy others can reuse.
resource "aws_iam_policy" "read_assets" {
  name        = "${var.name}-read-assets"
  description = "Read the static assets bucket"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "List"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = var.assets_bucket_arn
      },
      {
        Sid      = "Read"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${var.assets_bucket_arn}/*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "read_assets" {
  role       = aws_iam_role.web.name
  policy_arn = aws_iam_policy.read_assets.arn
}

# Inline policy: the web servers ship their logs to the logs bucket and use the data key.
resource "aws_iam_role_policy" "write_logs" {
  name = "write-logs"
  role = aws_iam_role.web.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = "${var.logs_bucket_arn}/web/*"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = var.kms_key_arn
      },
    ]
  })
}

# module.app.aws_instance.web[0], [1], ... spread across the subnets.
resource "aws_instance" "web" {
  count = var.instance_count

  ami                    = data.aws_ami.amazon_linux.id
  instance_type          = var.instance_type
  subnet_id              = var.subnet_ids[count.index % length(var.subnet_ids)]
  vpc_security_group_ids = var.security_group_ids
  iam_instance_profile   = aws_iam_instance_profile.web.name

  # IMDSv2 only.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
    kms_key_id  = var.kms_key_arn
  }

  tags = {
    Name = "${var.name}-web-${count.index}"
    Role = "web"
  }
}

resource "aws_ebs_volume" "scratch" {
  count = var.scratch_volume_count

  availability_zone = aws_instance.web[count.index % var.instance_count].availability_zone
  size              = 10
  type              = "gp3"

  # Deliberate misconfiguration: "it is only scratch space", so nobody turned on encryption.
  # driftpatch (DP-EC2-003) and checkov (CKV_AWS_3) both flag it.
  encrypted = false

  tags = {
    Name = "${var.name}-scratch-${count.index}"
  }
}
