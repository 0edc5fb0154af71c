# Oracle stack for the EC2 readers: every emitted type in several shapes (minimal, fully
# specified, tagged, nested blocks, optional+computed left unset). Applied to moto by
# tests/aws/test_ec2_oracle.py, mutated out of band, refreshed, and compared with the readers.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

# ---------------------------------------------------------------- VPCs and subnets

resource "aws_vpc" "min" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "full" {
  cidr_block                           = "10.1.0.0/16"
  enable_dns_hostnames                 = true
  enable_dns_support                   = true
  enable_network_address_usage_metrics = true
  assign_generated_ipv6_cidr_block     = true
  instance_tenancy                     = "default"
  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_subnet" "min" {
  vpc_id     = aws_vpc.min.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "full" {
  vpc_id                                      = aws_vpc.full.id
  cidr_block                                  = "10.1.1.0/24"
  availability_zone                           = "us-east-1b"
  map_public_ip_on_launch                     = true
  enable_resource_name_dns_a_record_on_launch = true
  tags = {
    Name = "full-subnet"
  }
}

# ---------------------------------------------------------------- security groups

resource "aws_ec2_managed_prefix_list" "corp" {
  name           = "corp"
  address_family = "IPv4"
  max_entries    = 2
  entry {
    cidr = "10.9.0.0/16"
  }
}

# name, description, rules all left to the provider
resource "aws_security_group" "min" {
  vpc_id = aws_vpc.min.id
}

resource "aws_security_group" "prefixed" {
  name_prefix = "web-"
  vpc_id      = aws_vpc.full.id
}

resource "aws_security_group" "other" {
  name        = "other"
  description = "other group"
  vpc_id      = aws_vpc.full.id
}

# no vpc_id: lands in the default VPC (instances there refer to it by name)
resource "aws_security_group" "in_default_vpc" {
  name        = "in-default-vpc"
  description = "default vpc group"
}

resource "aws_security_group" "full" {
  name        = "full"
  description = "full group"
  vpc_id      = aws_vpc.full.id
  tags = {
    Role = "web"
  }

  ingress {
    description      = "https"
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    cidr_blocks      = ["10.0.0.0/8", "192.168.0.0/16"]
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    from_port       = 22
    to_port         = 22
    protocol        = "6"
    self            = true
    security_groups = [aws_security_group.other.id]
  }
  ingress {
    from_port   = -1
    to_port     = -1
    protocol    = "icmp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["172.16.0.0/12"]
    description = "all from 172"
  }
  # Two blocks AWS keeps as one permission: the state keeps the configured grouping.
  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.21.0.0/16"]
  }
  ingress {
    from_port       = 53
    to_port         = 53
    protocol        = "udp"
    prefix_list_ids = [aws_ec2_managed_prefix_list.corp.id]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Rules managed separately; the group's own ingress/egress are left unset (computed).
resource "aws_security_group" "ruled" {
  name   = "ruled"
  vpc_id = aws_vpc.full.id
}

resource "aws_security_group_rule" "cidr" {
  type              = "ingress"
  from_port         = 80
  to_port           = 80
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/16", "10.2.0.0/16"]
  security_group_id = aws_security_group.ruled.id
  description       = "http"
}

resource "aws_security_group_rule" "sg" {
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.other.id
  security_group_id        = aws_security_group.ruled.id
}

resource "aws_security_group_rule" "self" {
  type              = "ingress"
  from_port         = 0
  to_port           = 65535
  protocol          = "-1"
  self              = true
  security_group_id = aws_security_group.ruled.id
}

resource "aws_security_group_rule" "egress" {
  type              = "egress"
  from_port         = 0
  to_port           = 0
  protocol          = "all"
  cidr_blocks       = ["0.0.0.0/0"]
  ipv6_cidr_blocks  = ["::/0"]
  security_group_id = aws_security_group.ruled.id
}

resource "aws_security_group_rule" "prefix" {
  type              = "egress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  prefix_list_ids   = [aws_ec2_managed_prefix_list.corp.id]
  security_group_id = aws_security_group.ruled.id
}

resource "aws_security_group_rule" "icmpv6" {
  type              = "ingress"
  from_port         = -1
  to_port           = -1
  protocol          = "icmpv6"
  ipv6_cidr_blocks  = ["::/0"]
  security_group_id = aws_security_group.ruled.id
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["10.50.0.0/16"]
  security_group_id = aws_security_group.ruled.id
  description       = "ssh"
}

# ---------------------------------------------------------------- instances

resource "aws_iam_role" "node" {
  name = "ec2-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_instance_profile" "node" {
  name = "ec2-node"
  role = aws_iam_role.node.name
}

resource "aws_launch_template" "lt" {
  name          = "oracle-lt"
  image_id      = "ami-1e749f67"
  instance_type = "t3.micro"
}

resource "aws_network_interface" "eni" {
  subnet_id = aws_subnet.min.id
}

resource "aws_instance" "min" {
  ami           = "ami-1e749f67"
  instance_type = "t3.micro"
}

resource "aws_instance" "full" {
  ami                                  = "ami-1e749f67"
  instance_type                        = "t3.small"
  subnet_id                            = aws_subnet.full.id
  vpc_security_group_ids               = [aws_security_group.full.id, aws_security_group.other.id]
  user_data                            = "#!/bin/sh\necho hello\n"
  iam_instance_profile                 = aws_iam_instance_profile.node.name
  instance_initiated_shutdown_behavior = "stop"
  private_ip                           = "10.1.1.10"
  tags = {
    Name = "full"
  }
  volume_tags = {
    Backup = "yes"
  }
  root_block_device {
    volume_size = 20
    volume_type = "gp3"
    encrypted   = true
  }
  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 5
    volume_type = "gp2"
  }
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
  credit_specification {
    cpu_credits = "unlimited"
  }
}

# user_data_base64 and per-device tags (no volume_tags); not burstable (no credit spec read)
resource "aws_instance" "b64" {
  ami               = "ami-1e749f67"
  instance_type     = "m5.large"
  subnet_id         = aws_subnet.min.id
  user_data_base64  = base64encode("#cloud-config\npackages: [nginx]\n")
  source_dest_check = false
  root_block_device {
    volume_size = 10
    tags = {
      Disk = "root"
    }
  }
}

# default VPC: security groups by name as well as by id
resource "aws_instance" "named_groups" {
  ami             = "ami-1e749f67"
  instance_type   = "t3.nano"
  security_groups = [aws_security_group.in_default_vpc.name]
}

resource "aws_instance" "from_template" {
  launch_template {
    id = aws_launch_template.lt.id
  }
}

resource "aws_instance" "with_eni" {
  ami           = "ami-1e749f67"
  instance_type = "t3.micro"
  network_interface {
    network_interface_id = aws_network_interface.eni.id
    device_index         = 0
  }
}

# ---------------------------------------------------------------- volumes

resource "aws_ebs_volume" "min" {
  availability_zone = "us-east-1a"
  size              = 1
}

resource "aws_ebs_volume" "full" {
  availability_zone = "us-east-1a"
  size              = 10
  type              = "gp3"
  iops              = 4000
  throughput        = 250
  encrypted         = true
  final_snapshot    = false
  tags = {
    Name = "data"
  }
}

resource "aws_ebs_volume" "io1" {
  availability_zone = "us-east-1a"
  size              = 4
  type              = "io1"
  iops              = 200
}

resource "aws_ebs_snapshot" "min" {
  volume_id = aws_ebs_volume.min.id
}

resource "aws_ebs_volume" "from_snapshot" {
  availability_zone = "us-east-1a"
  snapshot_id       = aws_ebs_snapshot.min.id
  tags = {
    Restored = "true"
  }
}

# attached after launch: the provider lists it in the instance's ebs_block_device on refresh
resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.io1.id
  instance_id = aws_instance.min.id
}
