# Oracle stack for the network readers (aws/readers/network.py): routing (route tables with
# inline and separate routes, associations, internet/NAT/egress-only gateways, EIPs), the
# account's default VPC objects taken over by aws_default_*, and security group rules written
# every all-traffic way (-1/all, ports 0 and -1) inline and as aws_vpc_security_group_*_rule.
# Applied to moto by tests/aws/test_network_oracle.py, changed out of band, refreshed, and
# compared with the readers; a clean apply scans to 0 drift.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.10.0.0/16"
  tags = {
    Name = "main"
  }
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.10.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.10.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_subnet" "spare" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.10.3.0/24"
  availability_zone = "us-east-1c"
}

# ---------------------------------------------------------------- gateways and addresses

resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.main.id
  tags = {
    Name = "igw"
    Env  = "test"
  }
}

# created detached: vpc_id is ""
resource "aws_internet_gateway" "detached" {}

resource "aws_egress_only_internet_gateway" "eigw" {
  vpc_id = aws_vpc.main.id
  tags = {
    Name = "eigw"
  }
}

resource "aws_eip" "nat" {
  domain = "vpc"
  tags = {
    Name = "nat"
  }
}

resource "aws_eip" "spare" {
  domain = "vpc"
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  tags = {
    Name = "nat"
  }
  depends_on = [aws_internet_gateway.igw]
}

# ---------------------------------------------------------------- routing

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
  route {
    ipv6_cidr_block        = "::/0"
    egress_only_gateway_id = aws_egress_only_internet_gateway.eigw.id
  }
  tags = {
    Name = "public"
  }
}

# routes managed separately: the table's own `route` is left unset (computed)
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "private_nat" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.nat.id
}

resource "aws_route" "private_peer" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "192.168.0.0/16"
  gateway_id             = aws_internet_gateway.igw.id
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "spare" {
  subnet_id      = aws_subnet.spare.id
  route_table_id = aws_route_table.private.id
}

resource "aws_default_route_table" "main" {
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {
    cidr_block = "10.99.0.0/16"
    gateway_id = aws_internet_gateway.igw.id
  }
  tags = {
    Name = "main-default"
  }
}

# ---------------------------------------------------------------- the account's defaults

resource "aws_default_vpc" "default" {
  tags = {
    Name = "default"
  }
}

resource "aws_default_subnet" "a" {
  availability_zone = "us-east-1a"
  tags = {
    Name = "default-a"
  }
}

resource "aws_default_security_group" "main" {
  vpc_id = aws_vpc.main.id
  ingress {
    protocol  = "-1"
    self      = true
    from_port = 0
    to_port   = 0
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = {
    Name = "main-default"
  }
}

# ---------------------------------------------------------------- all-traffic rules

# every spelling of "all traffic": -1 and "all" inline (the provider wants ports 0 there), and
# ports -1 in separate rules (terraform-aws-modules/security-group's all-all rule)
resource "aws_security_group" "allall" {
  name   = "allall"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "all"
    cidr_blocks = ["172.16.0.0/12"]
  }
  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group" "modstyle" {
  name   = "modstyle"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "all_in" {
  type              = "ingress"
  from_port         = -1
  to_port           = -1
  protocol          = "-1"
  cidr_blocks       = ["10.10.0.0/16"]
  security_group_id = aws_security_group.modstyle.id
}

resource "aws_security_group_rule" "all_out" {
  type              = "egress"
  from_port         = -1
  to_port           = -1
  protocol          = "all"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.modstyle.id
}

# rules as separate aws_vpc_security_group_*_rule resources (the group's echo is computed)
resource "aws_security_group" "separate" {
  name   = "separate"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.separate.id
  cidr_ipv4         = "10.0.0.0/8"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  description       = "https"
  tags = {
    Name = "https"
  }
}

# SSH from anywhere: DP-VPC-001 belongs to this resource, not to its group
resource "aws_vpc_security_group_ingress_rule" "ssh_world" {
  security_group_id = aws_security_group.separate.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "from_allall" {
  security_group_id            = aws_security_group.separate.id
  referenced_security_group_id = aws_security_group.allall.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.separate.id
  cidr_ipv4         = "10.1.0.0/16"
  from_port         = 22
  to_port           = 22
  ip_protocol       = "6"
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.separate.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_vpc_security_group_egress_rule" "dns" {
  security_group_id = aws_security_group.separate.id
  cidr_ipv6         = "::/0"
  from_port         = 53
  to_port           = 53
  ip_protocol       = "udp"
}

# ---------------------------------------------------------------- network ACLs

resource "aws_network_acl" "main" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.private.id]
  ingress {
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = "10.0.0.0/8"
    from_port  = 443
    to_port    = 443
  }
  ingress {
    protocol   = "icmp"
    rule_no    = 110
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
    icmp_type  = 0
    icmp_code  = 0
  }
  egress {
    protocol   = "-1"
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  tags = {
    Name = "main"
  }
}

resource "aws_default_network_acl" "main" {
  default_network_acl_id = aws_vpc.main.default_network_acl_id
  subnet_ids             = [aws_subnet.public.id, aws_subnet.spare.id]
  ingress {
    protocol   = -1
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  egress {
    protocol   = -1
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  tags = {
    Name = "main-default"
  }
}

# ---------------------------------------------------------------- VPC endpoints

resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.us-east-1.s3"
  route_table_ids = [aws_route_table.private.id]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject"]
      Resource  = "*"
    }]
  })
  tags = {
    Name = "s3"
  }
}

resource "aws_vpc_endpoint" "ec2" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.ec2"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private.id]
  security_group_ids  = [aws_security_group.allall.id]
  private_dns_enabled = false
}
