resource "aws_security_group" "web" {
  count  = 2
  name   = "web-${count.index}"
  vpc_id = "vpc-123"

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"] // admin only
  }

  dynamic "egress" {
    for_each = var.egress
    content {
      from_port = egress.value.port
      to_port   = egress.value.port
      protocol  = "-1"
    }
  }
}

resource "aws_instance" "app" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"

  metadata_options {
    http_tokens = "optional"
  }

  root_block_device {
    encrypted = false
  }

  user_data = <<-EOT
    #!/bin/bash
    echo "hello"
  EOT
}
